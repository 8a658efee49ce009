"""The organization's website as webpub sees it: fetch a page safely, and say whether it shows an item.

This room may import core, intake, locales and aiohttp's client, nothing above: it knows
nothing of requests or tasks, only pages, files (by SHA-256) and titles.
"""

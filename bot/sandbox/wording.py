"""The words of the sandbox page, through gettext: the page's, and each phone's in its language."""

from __future__ import annotations

from locales import _, using_locale


def page_words() -> dict[str, str]:
    """The page's own labels, in the locale in force."""
    return {
        "title": _("webpub sandbox"),
        "intro": _(
            "A demo office on pretend phones: everything goes through the real bot, "
            "nothing leaves this computer."
        ),
        "clock": _("Sandbox clock"),
        "clock_now": _("Now (real time)"),
        "week_before": _("7 days before the end"),
        "day_before": _("1 day before the end"),
        "end": _("The end date"),
        "next_morning": _("Next working morning"),
        "back_to_now": _("Back to now"),
        "reset": _("Reset demo"),
        "reset_done": _("The demo office is back as it started."),
        "invite": _("Invite someone"),
        "invite_name": _("Name"),
        "invite_role": _("Role"),
        "invite_platform": _("Platform"),
        "invite_send": _("Invite"),
        "requests": _("Requests"),
        "timeline": _("Timeline"),
        "pick_request": _("Choose a request to see its states, messages and audit events."),
        "messages": _("Messages"),
        "history": _("Audit events"),
        "language": _("Page language"),
        "phones": _("Phones"),
    }


def phone_words(locale: str) -> dict[str, str]:
    """A phone's labels in that phone's language."""
    with using_locale(locale):
        return {
            "holder": _("Who holds this phone"),
            "type": _("Type a message"),
            "send": _("Send"),
            "attach": _("Attach a file"),
            "language": _("Language"),
            "menu": _("Menu"),
            "pick_date": _("Pick a date"),
            "choose": _("Choose"),
            "previous_month": _("Previous month"),
            "next_month": _("Next month"),
            "open_file": _("Open the file"),
            "edited": _("edited"),
            "you": _("You"),
            "empty": _("No messages yet."),
            "months": _(
                "January February March April May June July August September October November December"
            ),
            "weekdays": _("Mo Tu We Th Fr Sa Su"),
        }

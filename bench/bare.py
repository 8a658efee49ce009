"""The baseline: an aiohttp handler that reads the body and answers 200, nothing else."""

import sys

from aiohttp import web


async def accept(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"ok": True})


if __name__ == "__main__":
    app = web.Application()
    app.router.add_post("/webhooks/line", accept)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)

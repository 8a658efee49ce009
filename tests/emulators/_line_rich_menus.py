"""The rich menu endpoints of the LINE emulator: create, list, get, delete, image, default."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from ._line_parts import body_error, json_body, json_response
from ._server import ApiError

RICH_MENU_IMAGE_MAX = 1024 * 1024  # LINE: rich menu image, 1 MB
RICH_MENU_MAX_AREAS = 20  # LINE: tappable areas per rich menu
IMAGE_TYPES = {"image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8"}


class RichMenuEndpoints:
    """Mixed into LineEmulator; keeps `rich_menus` (id -> JSON + image) and `default_rich_menu`."""

    rich_menus: dict[str, dict[str, Any]]
    default_rich_menu: str | None

    def _rich_menu_routes(self) -> list[web.RouteDef]:
        menu = "/v2/bot/richmenu"
        return [
            web.post(menu, self._create_rich_menu),
            web.get(f"{menu}/list", self._list_rich_menus),
            web.get(menu + "/{menu_id}", self._get_rich_menu),
            web.delete(menu + "/{menu_id}", self._delete_rich_menu),
            web.post(menu + "/{menu_id}/content", self._upload_rich_menu_image),
            web.get(menu + "/{menu_id}/content", self._download_rich_menu_image),
            web.post("/v2/bot/user/all/richmenu/{menu_id}", self._set_default_rich_menu),
            web.get("/v2/bot/user/all/richmenu", self._get_default_rich_menu),
            web.delete("/v2/bot/user/all/richmenu", self._clear_default_rich_menu),
        ]

    async def _create_rich_menu(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        details = _check_rich_menu(body)
        if details:
            raise ApiError(400, "", body_error(details))
        menu_id = f"richmenu-{uuid.uuid4().hex}"
        self.rich_menus[menu_id] = {"richMenuId": menu_id, **body, "image": None}
        return json_response({"richMenuId": menu_id})

    async def _list_rich_menus(self, request: web.Request) -> web.Response:
        return json_response({"richmenus": [_menu_json(m) for m in self.rich_menus.values()]})

    async def _get_rich_menu(self, request: web.Request) -> web.Response:
        return json_response(_menu_json(self._menu(request)))

    async def _delete_rich_menu(self, request: web.Request) -> web.Response:
        menu = self._menu(request)
        del self.rich_menus[menu["richMenuId"]]
        if self.default_rich_menu == menu["richMenuId"]:
            self.default_rich_menu = None
        return json_response({})

    async def _upload_rich_menu_image(self, request: web.Request) -> web.Response:
        menu = self._menu(request)
        content_type = request.content_type
        if content_type not in IMAGE_TYPES:
            raise ApiError(415, "Unsupported Media Type")
        data = await request.read()
        if not data.startswith(IMAGE_TYPES[content_type]):
            raise ApiError(400, "Invalid image")
        if len(data) > RICH_MENU_IMAGE_MAX:
            raise ApiError(400, "Image size must be smaller than 1MB")
        if menu["image"] is not None:
            raise ApiError(400, "An image has already been uploaded to the richmenu")
        menu["image"], menu["imageType"] = data, content_type
        return json_response({})

    async def _download_rich_menu_image(self, request: web.Request) -> web.Response:
        menu = self._menu(request)
        if menu["image"] is None:
            raise ApiError(404, "Not found")
        return web.Response(body=menu["image"], content_type=menu["imageType"])

    async def _set_default_rich_menu(self, request: web.Request) -> web.Response:
        menu = self._menu(request)
        if menu["image"] is None:
            raise ApiError(400, "must upload richmenu image before applying it to user")
        self.default_rich_menu = menu["richMenuId"]
        return json_response({})

    async def _get_default_rich_menu(self, request: web.Request) -> web.Response:
        if self.default_rich_menu is None:
            raise ApiError(404, "no default richmenu")
        return json_response({"richMenuId": self.default_rich_menu})

    async def _clear_default_rich_menu(self, request: web.Request) -> web.Response:
        self.default_rich_menu = None
        return json_response({})

    def _menu(self, request: web.Request) -> dict[str, Any]:
        menu = self.rich_menus.get(request.match_info["menu_id"])
        if menu is None:
            raise ApiError(404, "Not found")
        return menu


def _check_rich_menu(body: dict[str, Any]) -> list[dict[str, str]]:
    details = []
    size = body.get("size")
    if not isinstance(size, dict) or not {"width", "height"} <= size.keys():
        details.append({"message": "must be specified", "property": "size"})
    if not isinstance(body.get("selected"), bool):
        details.append({"message": "must be specified", "property": "selected"})
    if not isinstance(body.get("name"), str) or not 1 <= len(body["name"]) <= 300:
        details.append({"message": "Length must be between 1 and 300", "property": "name"})
    chat_bar = body.get("chatBarText")
    if not isinstance(chat_bar, str) or not 1 <= len(chat_bar) <= 14:
        details.append({"message": "Length must be between 1 and 14", "property": "chatBarText"})
    areas = body.get("areas")
    if not isinstance(areas, list) or len(areas) > RICH_MENU_MAX_AREAS:
        limit = RICH_MENU_MAX_AREAS
        details.append({"message": f"Size must be between 0 and {limit}", "property": "areas"})
    return details


def _menu_json(menu: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in menu.items() if k not in ("image", "imageType")}

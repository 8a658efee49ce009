"""The setup methods of the Telegram emulator: getMe, webhook, commands and getUpdates."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import urlsplit

from ._server import ApiError
from ._telegram_parts import TelegramWebhook, bad_request

WEBHOOK_PORTS = {80, 88, 443, 8443}  # Telegram Bot API: setWebhook ports
SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # Telegram Bot API: secret_token
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")  # Telegram Bot API: BotCommand.command
COMMANDS_MAX = 100  # Telegram Bot API: setMyCommands


class SetupMethods:
    """Mixed into TelegramEmulator: getMe, setWebhook, deleteWebhook, getWebhookInfo,
    setMyCommands, getMyCommands, deleteMyCommands, getUpdates."""

    bot_user: dict[str, Any]
    webhook: TelegramWebhook | None
    _updates: list[dict[str, Any]]
    _update_signal: asyncio.Event
    _stopping: asyncio.Event
    _commands: dict[tuple[str, str], list[dict[str, str]]]

    async def _m_getMe(self, params: dict, uploads: dict) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_setWebhook(self, params: dict, uploads: dict) -> tuple[bool, str]:
        url = params.get("url") or ""
        if not url:
            return await self._m_deleteWebhook(params, uploads)
        if not url.lower().startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        port = webhook_port(url)
        if port not in WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = params.get("max_connections", 40)
        if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        drop = bool(params.get("drop_pending_updates", False))
        if drop:
            self._updates.clear()
        self.webhook = TelegramWebhook(
            url=url,
            secret_token=secret,
            allowed_updates=params.get("allowed_updates"),
            max_connections=max_connections,
            drop_pending_updates=drop,
            ip_address=params.get("ip_address"),
        )
        return True, "Webhook was set"

    async def _m_deleteWebhook(self, params: dict, uploads: dict) -> tuple[bool, str]:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        was_set, self.webhook = self.webhook is not None, None
        return True, "Webhook was deleted" if was_set else "Webhook is already deleted"

    async def _m_getWebhookInfo(self, params: dict, uploads: dict) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = self.webhook.allowed_updates
        return info

    async def _m_setMyCommands(self, params: dict, uploads: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > COMMANDS_MAX:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not COMMAND_RE.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = commands_key(params.get("scope"), params.get("language_code") or "")
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _m_getMyCommands(self, params: dict, uploads: dict) -> list[dict[str, str]]:
        return self.get_commands(params.get("language_code") or "", params.get("scope"))

    async def _m_deleteMyCommands(self, params: dict, uploads: dict) -> bool:
        key = commands_key(params.get("scope"), params.get("language_code") or "")
        self._commands.pop(key, None)
        return True

    async def _m_getUpdates(self, params: dict, uploads: dict) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        self._confirm(offset)
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._updates and not self._stopping.is_set():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            signal = self._update_signal
            try:
                await asyncio.wait_for(signal.wait(), remaining)
            except TimeoutError:
                break
        return self._updates[:limit]

    def _confirm(self, offset: int) -> None:
        """getUpdates with an offset forgets the updates before it (negative: from the end)."""
        if offset < 0:
            del self._updates[:offset]
        elif offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]


def webhook_port(url: str) -> int:
    """The port a webhook URL names, or its scheme's default."""
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def commands_key(scope: Any, language_code: str) -> tuple[str, str]:
    """Commands are stored per scope and language, as Telegram does."""
    scope = scope if isinstance(scope, dict) else {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code

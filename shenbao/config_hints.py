"""Config mistakes in one clear line each (``validation_errors``, ``toml_hint``): where, what, the right form.

- a TOML syntax error names the key on its line (``campaign.deadline (line 12)``) and, for what
  looks like a date, shows how a TOML date-time is written;
- an unknown key gets "did you mean" the closest known key of its table;
- a ``[[units]]`` entry is named by its place counted from 1 and its name (``units[6] 解放区总工会``);
- a ``password_env`` naming an unset or empty variable is named (``missing_secrets``).
"""

from __future__ import annotations

import difflib
import re
import tomllib
import typing
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from notify.office import zone_name
from notify.wording import format_full_time

if TYPE_CHECKING:
    from shenbao.config import Config

DATETIME_EXAMPLE = "2021-04-30T23:59:59+08:00"
_AT = re.compile(r"at line (\d+), column (\d+)")
_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_DATE_LIKE = re.compile(r"^\s*\d{4}\s*[-/.年]\s*\d{1,2}")


def _table_at(lines: list[str], index: int) -> str:
    """The table a line belongs to: "campaign", "units[3]" (counted from 1) or "" (the top)."""
    for line in reversed(lines[:index]):
        found = _TABLE.match(line)
        if found:
            name = found.group(2).strip()
            if found.group(1) == "[[":
                count = sum(1 for other in lines[:index] if (m := _TABLE.match(other)) and m.group(1) == "[["
                            and m.group(2).strip() == name)
                return f"{name}[{count}]"
            return name
    return ""


def toml_hint(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """``key (line N): what is wrong and how to write it`` for a TOML syntax error; else the parser's words."""
    where = _AT.search(str(exc))
    lines = text.splitlines()
    if where is None or not 0 < int(where.group(1)) <= len(lines):
        return str(exc)
    number = int(where.group(1))
    key, sep, value = lines[number - 1].partition("=")
    if not sep or _TABLE.match(lines[number - 1]):
        return f"line {number}: {exc}"
    table = _table_at(lines, number - 1)
    path = ".".join(p for p in (table, key.strip().strip('"')) if p)
    value = value.split("#", 1)[0].strip()
    if _DATE_LIKE.match(value):
        return (f"{path} (line {number}): {value} is not a TOML date-time; write it like {DATETIME_EXAMPLE} "
                "(year-month-day, T, hour:minute:second and the UTC offset, without quotes)")
    if value and value[0] not in "\"'[{" and not re.fullmatch(r"[-+\d._]+|true|false", value):
        return f"{path} (line {number}): {value} is not a TOML value; put text in double quotes, e.g. \"{value}\""
    return f"{path} (line {number}): {exc}"


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class of the table at ``loc`` (list indexes skipped)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        current = current.model_fields[part].annotation
        while typing.get_origin(current) is not None:  # tuple[UnitConfig, ...], X | None
            inner = [a for a in typing.get_args(current) if isinstance(a, type) and issubclass(a, BaseModel)]
            if not inner:
                break
            current = inner[0]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def did_you_mean(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """" (did you mean max_count?)" for an unknown key close to a known one of its table, else ""."""
    model = _model_at(root, loc[:-1])
    if model is None or not isinstance(loc[-1], str):
        return ""
    known = [name for name in model.model_fields if name not in ("base_dir", "source")]
    close = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def unit_path(loc: tuple[Any, ...], data: dict[str, Any]) -> str | None:
    """``units[6] 解放区总工会 emails`` for an error inside the roster (counted from 1, as the file reads)."""
    if len(loc) < 2 or loc[0] != "units" or not isinstance(loc[1], int):
        return None
    units = data.get("units")
    entry = units[loc[1]] if isinstance(units, list) and loc[1] < len(units) else {}
    name = entry.get("name", "") if isinstance(entry, dict) else ""
    head = f"units[{loc[1] + 1}]" + (f" {name.strip()}" if isinstance(name, str) and name.strip() else "")
    rest = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc[2:]).replace(".[", "[")
    return f"{head} {rest}" if rest else head


def missing_secrets(config: Config) -> list[str]:
    """``key: …`` for every ``password_env`` in use that names an unset or empty environment variable."""
    servers = []
    if config.mailbox.kind == "imap":
        servers.append(("mailbox", config.mailbox.missing_secret()))
    if config.smtp.kind == "smtp":
        servers.append(("smtp", config.smtp.missing_secret()))
    from shenbao.secrets import is_loopback

    if not is_loopback(config.web.host):  # on loopback the web view needs no password (serve refuses otherwise)
        servers.append(("web", config.web.missing_secret()))
    return [f"{section}.password_env: the environment variable {name} is not set or is empty; set it to the "
            f"password (the 163 授权码) before starting shenbao, e.g. in /etc/shenbao/env"
            for section, name in servers if name]


def require_secrets(config: Config) -> None:
    """Refuse to go on (exit 2) when a password the config relies on is not in the environment."""
    from shenbao.errors import ConfigError

    missing = missing_secrets(config)
    if missing:
        where = f"{config.source}: " if config.source else ""
        raise ConfigError(f"{where}{len(missing)} password(s) missing", missing)


def deadline_warning(config: Config, now: datetime) -> str:
    """A warning when the deadline is already past: every new mail would be judged late."""
    deadline = config.campaign.deadline
    if deadline >= now:
        return ""
    local = format_full_time(deadline, config.campaign.timezone)
    return (f"campaign.deadline {deadline.isoformat()} ({local} {zone_name(config.campaign.timezone)}) is in the past: "
            "every nomination that arrives from now on is late (deadline.late); check the year and the date")


_MESSAGES = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key (check the spelling against config.example.toml)",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a quoted string",
    "datetime_type": "must be a date-time with a UTC offset, e.g. 2021-04-30T23:59:59+08:00",
    "datetime_parsing": "must be a date-time with a UTC offset, e.g. 2021-04-30T23:59:59+08:00",
    "timezone_aware": "must carry a UTC offset, e.g. 2021-04-30T23:59:59+08:00",
    "literal_error": "must be one of {expected}",
    "tuple_type": "must be a list, e.g. [\"a\", \"b\"]",
    "list_type": "must be a list, e.g. [\"a\", \"b\"]",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}


def _describe(error: Any) -> str:
    kind = error["type"]
    if kind in ("int_type", "int_parsing", "int_from_float", "greater_than"):
        return "must be a positive integer"
    if kind == "greater_than_equal":
        return f"must be at least {(error.get('ctx') or {}).get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {(error.get('ctx') or {}).get('le')}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind.startswith(("datetime_", "date_")) and kind not in _MESSAGES:  # "datetime_from_date_parsing" ...
        return _MESSAGES["datetime_parsing"]
    template = _MESSAGES.get(kind)
    if template:
        return template.format(**(error.get("ctx") or {}))
    return str(error["msg"])


def _key_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]" if parts else f"[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts)


def validation_errors(exc: ValidationError, data: dict[str, Any], root: type[BaseModel]) -> list[str]:
    """One ``key.path: message`` line per error; a sub-key named in the message is joined on; a roster
    entry is named by its place (from 1) and name; an unknown key gets the closest known one."""
    lines = []
    for error in exc.errors():
        path = unit_path(error["loc"], data) or _key_path(error["loc"])
        message = _describe(error)
        if error["type"] == "extra_forbidden":
            message += did_you_mean(root, error["loc"])
        head, sep, rest = message.partition(": ")
        if sep and head.isidentifier() and error["type"] == "value_error":
            path, message = (f"{path}.{head}" if " " not in path else f"{path} {head}") if path else head, rest
        lines.append(f"{path}: {message}")
    return lines

"""How a host is compared with the catalog's app URLs (no Django: forward-auth's hot path)."""


def host_key(value: str, scheme: str = "https") -> str:
    """host[:port] in lower case, without the scheme's default port."""
    value = value.lower().rstrip(".")
    default = ":443" if scheme == "https" else ":80"
    return value[: -len(default)] if value.endswith(default) else value

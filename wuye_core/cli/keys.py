"""`wuye keys rotate`: re-encrypt every encrypted field with the newest key."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("keys")
def keys_group():
    """加密密钥 / Encryption keys."""


@keys_group.command("rotate")
@with_appcontext
def keys_rotate():
    """用最新密钥重新加密全部加密字段 / Re-encrypt every encrypted field with the newest key.

    Put the new key first in WUYE_ENCRYPTION_KEYS (keep the old ones after it), run this,
    then remove the old keys.
    """
    from ..tenancy.key_rotation import rotate_all_keys

    count = rotate_all_keys()
    click.echo(f"已重新加密 {count} 个值 / re-encrypted {count} values")

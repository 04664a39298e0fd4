"""Make sure the demo accounts exist: ``editor`` (Editors) and ``researcher`` (Researchers)."""

import os
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token


def logins_text(
    *, base: str, editor_password: str, editor_token: str, researcher_password: str, token: str
) -> str:
    """The demo logins as printed by ``make demo`` and kept in its logins file."""
    return (
        "\nDemo logins (made afresh on every `make demo`):\n"
        f"  editor      password {editor_password}   admin: {base}/admin/\n"
        f"              API token {editor_token}   (may write)\n"
        f"  researcher  password {researcher_password}   reports: {base}/reports/\n"
        f"              API token {token}   docs: {base}/api/v1/docs/\n"
        f"  try: curl -H 'Authorization: Token {token}' "
        f"'{base}/api/v1/claims/?disputed=true'\n"
    )


class Command(BaseCommand):
    help = (
        "Create or refresh the demo users 'editor' (admin access, group Editors) and "
        "'researcher' (group Researchers), each with an API token. Fresh passwords are "
        "printed each run, since the old ones cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="where the tracker is served, for the links printed (make demo passes its own)",
        )
        parser.add_argument(
            "--logins-file",
            default="",
            help="also write the logins to this file (make demo: var/demo-logins.txt)",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        base = options["base_url"].rstrip("/")
        User = get_user_model()
        editors = Group.objects.get(name="Editors")
        researchers = Group.objects.get(name="Researchers")

        editor, _ = User.objects.get_or_create(username="editor")
        editor.is_staff = True
        editor.is_active = True
        password = secrets.token_urlsafe(12)
        editor.set_password(password)
        editor.save()
        editor.groups.add(editors)
        # Editors write over the API too (e.g. a whole story in one POST); the demo gives
        # them a token so that works without an administrator's help.
        editor_token, _ = Token.objects.get_or_create(user=editor)

        researcher, _ = User.objects.get_or_create(username="researcher")
        researcher.is_staff = False
        researcher.is_active = True
        researcher_password = secrets.token_urlsafe(12)
        researcher.set_password(researcher_password)
        researcher.save()
        researcher.groups.add(researchers)
        token, _ = Token.objects.get_or_create(user=researcher)

        text = logins_text(
            base=base,
            editor_password=password,
            editor_token=editor_token.key,
            researcher_password=researcher_password,
            token=token.key,
        )
        if options["logins_file"]:
            path = Path(options["logins_file"])
            path.parent.mkdir(parents=True, exist_ok=True)
            # Passwords and tokens: readable by the owner only, even on a shared machine.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text.lstrip("\n"))
            os.chmod(path, 0o600)
        self.stdout.write(text)

"""Make sure the demo accounts exist: ``editor`` (Editors) and ``researcher`` (Researchers)."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = (
        "Create or refresh the demo users 'editor' (admin access, group Editors) and "
        "'researcher' (group Researchers, API token). A fresh editor password is printed "
        "each run, since the old one cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="where the tracker is served, for the links printed (make demo passes its own)",
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

        researcher, _ = User.objects.get_or_create(username="researcher")
        researcher.is_staff = False
        researcher.is_active = True
        researcher_password = secrets.token_urlsafe(12)
        researcher.set_password(researcher_password)
        researcher.save()
        researcher.groups.add(researchers)
        token, _ = Token.objects.get_or_create(user=researcher)

        self.stdout.write(
            "\nDemo users:\n"
            f"  editor      password {password}   (admin: {base}/admin/)\n"
            f"  researcher  password {researcher_password}   API token {token.key}\n"
            f"  try: curl -H 'Authorization: Token {token.key}' "
            f"'{base}/api/v1/claims/?disputed=true'\n"
        )

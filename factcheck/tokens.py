"""API tokens a user manages for themself: one token per user (DRF's authtoken model)."""

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from rest_framework.authtoken.models import Token

logger = logging.getLogger("factcheck.security")


def token_of(*, user: AbstractBaseUser) -> Token | None:
    """The user's current API token, or None if they have none yet."""
    return Token.objects.filter(user=user).first()


@transaction.atomic
def token_replace(*, user: AbstractBaseUser) -> Token:
    """Give the user a new API token; the old one, if any, stops working at once."""
    # DRF keys the token by user: delete and create in one transaction, so a concurrent
    # request never sees the user with two tokens or, once committed, with none.
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    # Who rotated a credential, never the credential itself.
    logger.info("api token replaced", extra={"username": user.get_username()})
    return token

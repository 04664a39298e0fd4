"""Django's ``ModelBackend``, reading a user's permissions in one query instead of two.

Every write checks a model permission (``DjangoModelPermissions``), and the stock backend
reads the user's own permissions and their groups' permissions in two queries. The rules
are the stock backend's (inactive users and other objects have none, superusers have
all); only the reading is one query. Permissions of the user's groups and of the user
are cached on the user object for the request, as the stock backend does.
"""

from django.contrib.auth import backends
from django.contrib.auth.models import Permission
from django.db.models import Q


class ModelBackend(backends.ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            perms = Permission.objects.all()
            if not user_obj.is_superuser:
                perms = perms.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in perms.values_list("content_type__app_label", "codename")
                .order_by()
                .distinct()
            }
        return user_obj._perm_cache

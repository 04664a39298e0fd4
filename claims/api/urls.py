"""The claims app's router: ``claims/``, ``attributions/``, ``disputes/``, ``topics/``."""

from rest_framework.routers import SimpleRouter

from .reviews import ReviewViewSet
from .views import AttributionViewSet, ClaimViewSet, DisputeViewSet, TopicViewSet

router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("attributions", AttributionViewSet, basename="attribution")
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("topics", TopicViewSet, basename="topic")
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns = router.urls

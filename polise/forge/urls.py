from django.urls import path

from . import webhooks

app_name = "forge"
urlpatterns = [path("github", webhooks.github_webhook, name="github_webhook")]

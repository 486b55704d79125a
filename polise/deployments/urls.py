from django.urls import path

from . import api

app_name = "deployments"
urlpatterns = [
    path("api/deployments/records", api.records, name="records"),
    path("api/deployments/records/<uuid:deploy_id>", api.record, name="record"),
    path("api/deployments/previous", api.previous, name="previous"),
]

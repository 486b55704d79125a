from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("apps/<slug:slug>/report/", views.report_new, name="new"),
    path("apps/<slug:slug>/reports/", views.app_reports, name="app_reports"),
    path("reports/mine/", views.my_reports, name="mine"),
    path("reports/inbox/", views.inbox, name="inbox"),
    path("reports/<int:pk>/", views.report_detail, name="detail"),
    path("reports/<int:pk>/duplicate/", views.mark_duplicate, name="duplicate"),
    path("reports/<int:pk>/follow/", views.report_follow, name="follow"),
    path("reports/<int:pk>/reply/", views.report_reply, name="reply"),
    path("reports/<int:pk>/status/", views.report_status, name="status"),
    path(
        "reports/comments/<int:pk>/visibility/", views.comment_visibility, name="comment_visibility"
    ),
    path("reports/attachments/<uuid:token>/", views.attachment, name="attachment"),
]

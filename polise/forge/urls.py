from django.urls import path

app_name = "forge"
urlpatterns: list = []

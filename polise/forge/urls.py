app_name = "forge"
urlpatterns: list = []

app_name = "accompaniments"

urlpatterns: list = []

"""(Being built.)"""

app_name = "studyday"
urlpatterns: list = []

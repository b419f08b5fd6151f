"""(Being built.)"""

app_name = "mystudy"
urlpatterns: list = []

"""(Being built.)"""

app_name = "studychecks"
urlpatterns: list = []

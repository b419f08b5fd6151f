"""(Being built.)"""

app_name = "materials"
urlpatterns: list = []

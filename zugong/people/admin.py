"""The roster (Person, Membership, CadreRecord, Transfer) is not in the Django admin: the admin is the
系统管理员's, and the 系统管理员 reads no personal data (三员分立). The roster is read through the pages
and the API, which check scope, mask personal data and audit every reveal."""

"""Keyset (cursor) pagination for every API list.

A page costs the same wherever it is in the list: no COUNT(*) and no OFFSET scan.
The ordering always ends in the primary key so the cursor is unique.
"""

from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

"""The pages of sign-in: `/login`, `/logout` and `/invite/{secret}`."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)

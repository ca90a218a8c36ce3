"""The orders HTTP API, one router module per area; `main.py` includes every router in ROUTERS."""

from fastapi import APIRouter

from sealflow_orders.router import catalog, enterprises, files, processes

ROUTERS: list[APIRouter] = [catalog.router, enterprises.router, files.router, processes.router]

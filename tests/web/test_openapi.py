from bridgewatch.config import Settings
from bridgewatch.web.app import create_app
from bridgewatch.web.openapi import build_document
from tests.conftest import bearer


def router_operations() -> set[tuple[str, str]]:
    app = create_app(Settings())
    found = set()
    for route in app.router.routes():
        if route.method in ("HEAD", "OPTIONS"):
            continue
        if route.resource.canonical.startswith(("/board", "/login", "/logout", "/static")):
            continue  # pages for people, not the API
        found.add((route.method.lower(), route.resource.canonical))
    return found


def document_operations(document: dict) -> set[tuple[str, str]]:
    return {(method, path) for path, ops in document["paths"].items() for method in ops}


def test_openapi_lists_exactly_the_routes_of_the_router():
    assert document_operations(build_document()) == router_operations()


def test_openapi_refs_resolve_and_path_parameters_are_declared():
    document = build_document()
    schemas = document["components"]["schemas"]

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                assert node["$ref"].removeprefix("#/components/schemas/") in schemas, node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    for path, ops in document["paths"].items():
        if "{code}" in path:
            for op in ops.values():
                assert any(p["name"] == "code" and p["in"] == "path" for p in op["parameters"]), (
                    path
                )


async def test_served_document_is_the_built_one(client, tokens):
    response = await client.get("/api/v1/openapi.json", headers=bearer(tokens["viewer"]))
    served = await response.json()
    assert served["openapi"].startswith("3.")
    assert document_operations(served) == router_operations()

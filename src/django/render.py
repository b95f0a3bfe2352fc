# ddl-eta's helper, run inside the project's own Django (`manage.py shell -c`): picks the
# release's migrations and renders each with sqlmigrate's machinery, in this one process.
# It reads the request from DDL_ETA_DJANGO_REQUEST and prints one line of JSON, prefixed,
# on stdout. It only reads the database: its session is made read-only first.
import ast
import json
import os
import sys
import traceback

PREFIX = "DDL_ETA_DJANGO_JSON:"


def last_line(error):
    lines = traceback.format_exception_only(type(error), error)
    return " ".join(lines[-1].split()) if lines else repr(error)


def emit(result):
    sys.stdout.write("\n" + PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()


def operation_lines(path, count):
    """Line of `class Migration` and of each entry of its `operations` list."""
    try:
        with open(path, encoding="utf-8") as source:
            tree = ast.parse(source.read())
    except (OSError, SyntaxError, ValueError):
        return 1, [1] * count
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "Migration":
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(getattr(t, "id", None) == "operations" for t in statement.targets)
                    and isinstance(statement.value, (ast.List, ast.Tuple))
                    and len(statement.value.elts) == count
                ):
                    return node.lineno, [e.lineno for e in statement.value.elts]
            return node.lineno, [node.lineno] * count
    return 1, [1] * count


def chunks(migration, lines, applied):
    """The collected lines of each operation, found by the header Django writes before
    it; what the schema editor ran at its end (deferred SQL) comes last."""
    starts = []
    position = 0
    for operation in migration.operations:
        header = "-- %s" % operation.describe()
        found = None
        for i in range(position, applied):
            if lines[i] == header and i > 0 and lines[i - 1].startswith("--"):
                found = i - 1
                if i > 1 and lines[i - 1] != "--" and lines[i - 2] == "--":
                    found = i - 2
                # The next operation's header comes after this one (two RunPython steps
                # in a row have the same header: the search must not find this one again).
                position = i + 1
                break
        if found is None:
            return None
        starts.append(found)
    ends = starts[1:] + [applied]
    return [lines[s:e] for s, e in zip(starts, ends)]


def render(connection, loader, key):
    migration = loader.graph.nodes[key]
    module = sys.modules.get(migration.__module__)
    path = getattr(module, "__file__", None) or "%s/migrations/%s.py" % key
    class_line, op_lines = operation_lines(path, len(migration.operations))
    entry = {
        "app": key[0],
        "name": key[1],
        "file": os.path.relpath(path),
        "class_line": class_line,
        "chunks": [],
        "error": None,
    }
    try:
        with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
            state = loader.project_state(key, at_end=False)
            migration.apply(state, editor, collect_sql=True)
            applied = len(editor.collected_sql)
        lines = [str(line) for line in editor.collected_sql]
    except Exception as error:  # Django's own error, reported as its last line
        entry["error"] = last_line(error)
        return entry
    split = chunks(migration, lines, applied)
    if split is None:
        entry["chunks"].append({"line": class_line, "sql": "\n".join(lines)})
        return entry
    for line, chunk in zip(op_lines, split):
        entry["chunks"].append({"line": line, "sql": "\n".join(chunk)})
    if lines[applied:]:
        entry["chunks"].append({"line": class_line, "sql": "\n".join(lines[applied:])})
    return entry


def main():
    request = json.loads(os.environ["DDL_ETA_DJANGO_REQUEST"])
    from django import get_version
    from django.db import connections
    from django.db.migrations.exceptions import AmbiguityError
    from django.db.migrations.executor import MigrationExecutor

    alias = request["database"]
    try:
        connection = connections[alias]
    except Exception as error:
        return {"error": "database %r: %s" % (alias, last_line(error))}
    if connection.vendor != "mysql":
        return {"error": "database %r is %s, not MySQL or MariaDB" % (alias, connection.vendor)}
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
    except Exception as error:
        return {"error": "cannot connect to database %r: %s" % (alias, last_line(error))}

    executor = MigrationExecutor(connection)
    loader = executor.loader
    targets = loader.graph.leaf_nodes()
    everything = [(m.app_label, m.name) for m, _ in executor.migration_plan(targets, clean_start=True)]
    unknown = []
    if request["select"] == "unapplied":
        keys = [(m.app_label, m.name) for m, backwards in executor.migration_plan(targets) if not backwards]
    elif request["select"] == "files":
        wanted = {os.path.realpath(p) for p in request["items"]}
        keys = []
        for key in everything:
            module = sys.modules.get(loader.graph.nodes[key].__module__)
            path = getattr(module, "__file__", None)
            if path and os.path.realpath(path) in wanted:
                keys.append(key)
    else:
        chosen = set()
        for item in request["items"]:
            app, _, name = item.partition(":")
            try:
                found = loader.get_migration_by_prefix(app, name)
                chosen.add((found.app_label, found.name))
            except (AmbiguityError, KeyError, LookupError) as error:
                unknown.append({"item": item, "error": last_line(error)})
        keys = [key for key in everything if key in chosen]
    skip = {tuple(k) for k in request["skip"]}
    migrations = [render(connection, loader, key) for key in keys if key not in skip]
    return {
        "django": get_version(),
        "server": getattr(connection, "mysql_server_info", ""),
        "migrations": migrations,
        "unknown": unknown,
        "error": None,
    }


try:
    emit(main())
except Exception as error:
    emit({"error": last_line(error)})

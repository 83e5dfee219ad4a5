#!/usr/bin/env python3
"""Validates JSON payloads against the JSON Schemas in Schemas/, independently of Swift.

Usage:
  validate.py --schemas DIR PAYLOAD_DIR...   validate every PAYLOAD_DIR/<schema-name>/*.json
                                             against Schemas/<schema-name>.schema.json
  validate.py --schemas DIR --examples       validate every schema's own "examples"

Prints one JSON object per payload: {"file", "schema", "valid", "errors"}.
Exit status: 0 all valid, 1 some invalid, 2 setup error (missing jsonschema,
unknown schema, a schema that is not valid draft 2020-12, or the script crashed).

Draft 2020-12 with format checking. "date-time" is checked by this script itself
(RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), real calendar dates,
seconds 00-59), so the result does not depend on jsonschema's optional format
packages. Every $ref (e.g. to common.schema.json) resolves locally through a
referencing Registry; nothing is fetched.
"""
import argparse
import datetime
import json
import pathlib
import re
import sys
import traceback

try:
    import jsonschema
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as error:  # pragma: no cover - reported to the Swift test
    print(f"schema-validator: cannot import jsonschema/referencing ({error}); "
          f"install them with: {sys.executable} -m pip install jsonschema", file=sys.stderr)
    sys.exit(2)

RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))")


def is_date_time(instance):
    if not isinstance(instance, str):
        return True
    match = RFC3339.fullmatch(instance)
    if not match:
        return False
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    if match.group(9) is not None and (int(match.group(9)) > 23 or int(match.group(10)) > 59):
        return False
    try:
        datetime.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return True


def load_schemas(directory):
    schemas = {}
    for path in sorted(directory.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as error:
            print(f"schema-validator: {path.name} is not a valid draft 2020-12 schema: {error.message}", file=sys.stderr)
            sys.exit(2)
        schemas[path.name.removesuffix(".schema.json")] = schema
    if not schemas:
        print(f"schema-validator: no *.schema.json in {directory}", file=sys.stderr)
        sys.exit(2)
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in schemas.values())
    return schemas, registry


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schemas", required=True, type=pathlib.Path, help="the Schemas/ directory")
    parser.add_argument("--examples", action="store_true", help="validate every schema's examples")
    parser.add_argument("payload_dirs", nargs="*", type=pathlib.Path)
    arguments = parser.parse_args()

    schemas, registry = load_schemas(arguments.schemas)
    checker = FormatChecker()
    checker.checks("date-time")(is_date_time)

    def validator(name):
        if name not in schemas:
            print(f"schema-validator: no schema named {name!r} in {arguments.schemas}", file=sys.stderr)
            sys.exit(2)
        return Draft202012Validator(schemas[name], registry=registry, format_checker=checker)

    cases = []  # (label, schema name, instance or a JSON error string)
    if arguments.examples:
        for name, schema in schemas.items():
            for index, example in enumerate(schema.get("examples", [])):
                cases.append((f"{name}.schema.json#/examples/{index}", name, example))
    for directory in arguments.payload_dirs:
        for path in sorted(directory.glob("*/*.json")):
            try:
                instance = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as error:
                instance = ValueError(f"not JSON: {error}")
            cases.append((str(path), path.parent.name, instance))

    all_valid = True
    for label, name, instance in cases:
        if isinstance(instance, ValueError):
            errors = [str(instance)]
        else:
            errors = [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
                      for error in validator(name).iter_errors(instance)]
        all_valid = all_valid and not errors
        print(json.dumps({"file": label, "schema": name, "valid": not errors, "errors": errors}))
    sys.exit(0 if all_valid else 1)


if __name__ == "__main__":
    try:
        main()
    except Exception:  # a crash must read as a setup error (2), not as "some payloads invalid" (1)
        traceback.print_exc()
        sys.exit(2)

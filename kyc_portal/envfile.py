"""Print a fresh .env for development: `python -m kyc_portal.envfile > .env`.

Standard library only. Every run makes new random keys, so never pipe it over an
existing .env: data encrypted with the old keys could no longer be read. `make run`
writes the file only when it is missing.

`--production` leaves out DEBUG and names non-console message backends; `make check` and
the Docker build use it to load the production settings with strong throw-away keys.
"""

import argparse
import base64
import secrets


def random_key() -> str:
    """32 random bytes, base64: the shape FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY expect."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def envfile_lines(*, debug: bool) -> list[str]:
    lines = [
        "# Made by `python -m kyc_portal.envfile`. Keep it secret; see .env.example for more.",
        f'SECRET_KEY="{secrets.token_urlsafe(50)}"',
        f'FIELD_ENCRYPTION_KEYS="k1:{random_key()}"',
        f'BLIND_INDEX_KEY="{random_key()}"',
    ]
    if debug:
        lines.append("DEBUG=true")
    else:
        # Production refuses the console backends, which print codes into the logs.
        lines += ['EMAIL_URL="smtp://localhost:25"', "SMS_BACKEND=file"]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--production",
        action="store_true",
        help="without DEBUG=true, with non-console message backends",
    )
    arguments = parser.parse_args(argv)
    print("\n".join(envfile_lines(debug=not arguments.production)))  # noqa: T201


if __name__ == "__main__":
    main()

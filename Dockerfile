# The KYC Portal image: gunicorn (web), celery worker and celery beat all run from it.
FROM python:3.11-slim

# The code runs from /app (PYTHONPATH), so the settings find templates/, static/ and
# locale/ next to it.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# A user without a login shell or privileges; private documents live in a volume it owns.
RUN groupadd --system --gid 10001 kyc \
    && useradd --system --uid 10001 --gid kyc --home-dir /app --shell /usr/sbin/nologin kyc \
    && mkdir -p /srv/kyc/private \
    && chown kyc:kyc /srv/kyc/private \
    && chmod 700 /srv/kyc/private

# Graphviz draws the process diagram staff read at /process/; OpenCV (document reading)
# links against libGL and GLib; the fonts draw the demo's specimen documents.
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz libgl1 libglib2.0-0 \
        fonts-wqy-microhei fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, in their own layer, so that a code change does not reinstall them.
COPY pyproject.toml ./
# The checks' offline models (OCR, face match) come with the [ai] and [biometrics] extras.
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['ai'] + p['optional-dependencies']['biometrics']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Static files are collected at build time with throw-away keys that are not kept.
COPY . .
RUN pip install --no-deps . \
    && rm -rf /app/build /app/*.egg-info \
    && set -a && eval "$(python -m kyc_portal.envfile --production)" && set +a \
    && DJANGO_SETTINGS_MODULE=kyc_portal.settings.production python manage.py collectstatic --noinput

USER kyc
EXPOSE 8000
CMD ["gunicorn", "kyc_portal.wsgi", "--bind=0.0.0.0:8000", "--workers=3", "--access-logfile=-"]

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY . .
RUN pip install --no-cache-dir . && useradd --create-home portal && mkdir -p /data/private_media \
    && chown portal /data/private_media
# collectstatic only reads files: the cache and broker named here are never contacted, they
# satisfy production's refusal to start without them.
RUN DJANGO_ENV=production SECRET_KEY=build-only-$(head -c 48 /dev/urandom | base64) \
    ALLOWED_HOSTS=build CACHE_URL=redis://build:6379/1 CELERY_BROKER_URL=redis://build:6379/0 \
    python manage.py collectstatic --no-input
USER portal
EXPOSE 8000
CMD ["gunicorn", "conduct_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]

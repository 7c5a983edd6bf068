# One image for every role of the site: web (ASGI), Celery worker and beat, mock teams.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# Korean glyphs for anything the image draws itself (printable pages, screenshots, the browser
# tests when run in the image): without them Hangul is boxes. The site serves no web font.
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --create-home arena && mkdir -p /app/var /app/metrics && chown arena /app/var /app/metrics
USER arena

EXPOSE 8000
# --no-proxy-headers: uvicorn would take X-Forwarded-For from any local peer as the client; the
# client address is the site's to decide (CLIENT_IP_HEADER and TRUSTED_PROXIES, config/limits.py).
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers"]

# One image for web, worker and beat (docker-compose.yml).
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        binutils gdal-bin libgdal32 libgeos-c1v5 libproj25 nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY package*.json ./
RUN if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; fi
COPY . .
ENV DJANGO_SETTINGS_MODULE=geoplatform.settings PYTHONUNBUFFERED=1
RUN useradd --create-home geoplatform && mkdir -p /data /app/staticfiles && chown geoplatform /data /app/staticfiles
USER geoplatform
EXPOSE 8000

# Belong bot: runs as a non-root user; the SQLite database lives on the /app/data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080

WORKDIR /app
RUN useradd --create-home --uid 10001 belong

COPY pyproject.toml requirements.lock README.md alembic.ini ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY migrations ./migrations
COPY locales ./locales
COPY content ./content
# Every dependency from the lock (pinned, hashes checked), then the project itself without
# resolving anything more. Editable, so that the code finds migrations/, locales/ and
# content/ beside it in /app.
RUN pip install --require-hashes --no-deps -r requirements.lock \
    && pip install --no-deps --no-build-isolation -e .
# Compile the gettext catalogs at build time; the running user cannot write to /app.
RUN python -c "from bot.i18n import compile_catalogs; compile_catalogs()" \
    && mkdir -p /app/data && chown belong:belong /app/data

USER belong
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"
CMD ["python", "-m", "bot", "run"]

# arxiv-radar's feed server with its daily job, as a container.
#
#   docker build -t arxiv-radar .
#   docker run -d -p 8000:8000 -v arxiv-radar-data:/data -e DASHSCOPE_API_KEY arxiv-radar
#
# /data holds the configuration (arxiv-radar.toml, optional), the store (arxiv-radar.db) and
# the published outputs. The server listens on 8000, serves the feeds from the store and runs
# `arxiv-radar run` on publish.schedule. See docs/deploy.md and compose.yaml.

# The base of both stages: any image with Python >= 3.11, python on the PATH, the venv module
# and useradd (Debian's python3, python3-venv and python-is-python3 do too), for example one
# made locally without a registry (scripts/container-smoke.sh base).
#   docker build --build-arg BASE_IMAGE=localhost/arxiv-radar-base:bookworm -t arxiv-radar .
ARG BASE_IMAGE=python:3.11-slim

# ---- build: arxiv-radar and every dependency as wheels (no compiler needed: those without a
# binary wheel are pure Python), made by an up-to-date pip in a throwaway virtual environment
# (a distribution's own Python may ship without pip, or with one too old to build them)
FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE arxiv-radar.example.toml ./
COPY src ./src
# serve (always): the feed server and its scheduler, which the image runs. Beside it, pdf:
# the PDF fallback of full-text summaries; postgres: a PostgreSQL store
# (ARXIV_RADAR_DB=postgresql://...); notify: Apprise notifications. --build-arg EXTRAS= builds
# without those three.
ARG EXTRAS=pdf,postgres,notify
RUN python -m venv --upgrade-deps /tmp/pip \
    && /tmp/pip/bin/pip wheel --wheel-dir /wheels ".[serve${EXTRAS:+,$EXTRAS}]"

# ---- runtime: the wheels installed into a virtual environment, run by an unprivileged user
# (the wheels are bind-mounted from the build stage, a BuildKit feature: Docker's default
# builder since 23.0, so they never become a layer of the image)
FROM ${BASE_IMAGE} AS runtime
ARG EXTRAS=pdf,postgres,notify
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PATH=/opt/arxiv-radar/bin:$PATH
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/arxiv-radar \
    && /opt/arxiv-radar/bin/pip install --no-index --find-links /wheels \
       "arxiv-radar[serve${EXTRAS:+,$EXTRAS}]" \
    && groupadd --system --gid 10001 radar \
    && useradd --system --uid 10001 --gid radar --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin radar \
    && mkdir /data && chown radar:radar /data

# The store and the outputs live in /data: a named volume or a bind-mounted digest folder.
WORKDIR /data
VOLUME ["/data"]
USER radar:radar
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]

# Serve on every interface of the container and run the daily job on publish.schedule
# ("--schedule config"; a cron expression works too). Nothing here enables debugging.
ENTRYPOINT ["arxiv-radar"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--schedule", "config"]

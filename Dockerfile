# The image every docker-compose service runs: the project installed with its console script `gwc`.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY engine engine
COPY api api
COPY worker worker
COPY gwc gwc
COPY workflows workflows
COPY forms forms
RUN pip install --no-cache-dir .
USER nobody
CMD ["gwc", "serve", "--host", "0.0.0.0", "--port", "8000"]

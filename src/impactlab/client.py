"""A small client of an impactlab server's JSON API, for notebooks::

    import impactlab
    lab = impactlab.connect("https://impact.example.nl", token)   # or the IMPACTLAB_TOKEN environment variable
    lab.programmes()                      # the programmes in which you have a role
    model = lab.model(3)                  # the published model (editors: the latest) as an ImpactModel
    impactlab.value(model).outcomes_frame()
    lab.valuation(3)["sroi_ratio"]        # the server's figures, with the evidence you may use there
    lab.outcomes(3)                       # the same per outcome, as a pandas DataFrame
    lab.aggregates(3)                     # change per instrument and support balances (disclosure-controlled)
    lab.responses(3, 7)                   # questionnaire responses (pseudonymised), if your role may export them

The server decides what you may see, exactly as in its web pages; a token narrows that with its scopes. The
token travels in a header, so the client refuses plain ``http://`` except to this machine (``localhost``).
Errors are ``ApiError`` with the server's status, code and message (in your language).
"""

from __future__ import annotations

import ipaddress
import os
import time
from typing import Any
from urllib.parse import urlsplit

from impactlab.errors import UserError
from impactlab.model import ImpactModel, parse_model

TIMEOUT = 60.0
WAIT = 120.0  # how long to wait for figures the server computes in the background


class ApiError(UserError):
    """An answer of the server other than success: ``status``, ``code`` and ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def _local(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Connection:
    """A connection to one server with one personal access token."""

    def __init__(self, url: str, token: str, *, timeout: float = TIMEOUT, verify: bool | str = True) -> None:
        import requests

        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"not a server address: {url!r} (expected https://host)")
        if parts.scheme == "http" and not _local(parts.hostname):
            raise ValueError(f"refusing to send a token over plain http to {parts.hostname}: use https://")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
        self.session.verify = verify

    def __repr__(self) -> str:
        return f"<impactlab connection to {self.url}>"

    # ------------------------------------------------------------------------------------------ transport
    def get(self, path: str, **params: Any) -> Any:
        """GET ``/api/v1/<path>``: the JSON answer (text for YAML), waiting while the server computes figures."""
        deadline = time.monotonic() + WAIT
        while True:
            response = self.session.get(f"{self.url}/api/v1/{path.lstrip('/')}", timeout=self.timeout,
                                        params={k: v for k, v in params.items() if v is not None})
            if response.status_code == 202 and time.monotonic() < deadline:
                time.sleep(2)
                continue
            if response.status_code == 200:
                kind = response.headers.get("Content-Type", "")
                return response.json() if kind.startswith("application/json") else response.text
            try:
                body = response.json()
                code, message = body.get("error", "error"), body.get("message", response.reason)
            except ValueError:
                code, message = "error", response.reason or "no answer"
            raise ApiError(response.status_code, code, message)

    # ----------------------------------------------------------------------------- programmes and models
    def programmes(self) -> list[dict[str, Any]]:
        return self.get("programmes")

    def programme(self, programme: int) -> dict[str, Any]:
        return self.get(f"programmes/{int(programme)}")

    def versions(self, programme: int) -> list[dict[str, Any]]:
        return self.get(f"programmes/{int(programme)}/versions")

    def model_text(self, programme: int, version: int | None = None) -> str:
        """The YAML of a model version; without ``version``, of the one whose figures you see."""
        if version is None:
            return self.get(f"programmes/{int(programme)}/model")["yaml"]
        return self.get(f"programmes/{int(programme)}/versions/{int(version)}/model.yaml")

    def model(self, programme: int, version: int | None = None) -> ImpactModel:
        """The model (the published version; editors: the latest) as the core's ImpactModel."""
        return parse_model(self.model_text(programme, version), source=f"{self.url} programme {programme}")

    # -------------------------------------------------------------------------------------------- figures
    def valuation(self, programme: int) -> dict[str, Any]:
        """The server's valuation of the model version you see, with the evidence you may use there."""
        return self.get(f"programmes/{int(programme)}/valuation")["valuation"]

    def outcomes(self, programme: int) -> Any:
        """The valuation per outcome as a pandas DataFrame: one row per outcome, its waterfall as columns."""
        import pandas as pd

        rows = [{"outcome": o["id"], "stakeholder": o["stakeholder"], "description": o["description"],
                 **o["waterfall"]} for o in self.valuation(programme).get("outcomes", [])]
        return pd.DataFrame(rows)

    def datasets(self, programme: int) -> list[dict[str, Any]]:
        return self.get(f"programmes/{int(programme)}/datasets")

    def dataset(self, programme: int, dataset: int) -> dict[str, Any]:
        return self.get(f"programmes/{int(programme)}/datasets/{int(dataset)}")

    def aggregates(self, programme: int) -> dict[str, Any]:
        """Change per instrument and support balances, through the programme's disclosure rule."""
        return self.get(f"programmes/{int(programme)}/aggregates")

    def aggregates_table(self, programme: int) -> Any:
        """The aggregates as one flat table (``aggregates.csv``: what Excel and Power BI read), a DataFrame."""
        import io

        import pandas as pd

        return pd.read_csv(io.StringIO(self.get(f"programmes/{int(programme)}/aggregates.csv").lstrip("\ufeff")))

    def questionnaires(self, programme: int) -> list[dict[str, Any]]:
        return self.get(f"programmes/{int(programme)}/questionnaires")

    def responses(self, programme: int, questionnaire: int, wave: str | None = None) -> Any:
        """A questionnaire's responses (pseudonymised, scored) as a pandas DataFrame."""
        import pandas as pd

        body = self.get(f"programmes/{int(programme)}/questionnaires/{int(questionnaire)}/responses", wave=wave)
        return pd.DataFrame(body["rows"], columns=body["columns"])


def connect(url: str, token: str | None = None, *, timeout: float = TIMEOUT, verify: bool | str = True) -> Connection:
    """Connect to an impactlab server with a personal access token (default: ``$IMPACTLAB_TOKEN``)."""
    token = token or os.environ.get("IMPACTLAB_TOKEN", "")
    if not token:
        raise ValueError("no token: make one on your account page (API tokens) and pass it, or set IMPACTLAB_TOKEN")
    return Connection(url, token, timeout=timeout, verify=verify)

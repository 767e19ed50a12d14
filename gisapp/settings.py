"""Configuration, split by concern, read from the environment with the ``GISAPP_`` prefix.

Nothing is read at import time: :func:`load_settings` builds a fresh object, and the app
factory, the CLI and the tests each call it (or pass their own).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseModel):
    """Where PostGIS is. Without a URL, gisapp runs its own cluster in ``local_dir``."""

    url: str | None = Field(
        default=None,
        description="URL of the role that owns the schema and runs migrations, e.g. "
        "postgresql://gisapp:secret@db/gisapp. The app itself connects as the role "
        "gisapp_app (no ownership, no BYPASSRLS) on the same server. Empty: the embedded "
        "local cluster.",
    )
    app_password: SecretStr | None = Field(
        default=None,
        description="Password of the gisapp_app role; default: derived from the owner's "
        "password (whoever has that one has more rights anyway).",
    )
    local_dir: Path = Field(
        default=Path(".gisapp/pg"),
        description="Folder of the embedded local PostgreSQL cluster.",
    )
    stop_local_on_exit: bool = Field(
        default=True,
        description="Stop the local cluster when 'gisapp serve' ends (data stays).",
    )
    pool_size: int = Field(default=10, ge=1, le=200)
    max_overflow: int = Field(default=10, ge=0, le=200)
    statement_timeout_ms: int = Field(default=30_000, ge=0)

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        """Accept plain postgres:// URLs (as docker and PaaS give them) and use asyncpg."""
        if not value:
            return None
        for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix):]
        return value


class ServerSettings(BaseModel):
    """How the HTTP service is reached."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base of every URL printed on labels and in links; never change it "
        "once labels are out.",
    )

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


class SecuritySettings(BaseModel):
    """Logins, sessions and throttling."""

    session_days: int = Field(default=30, ge=1, le=365, description="Lifetime of a login")
    cookie_secure: bool | None = Field(
        default=None,
        description="Secure flag of the session cookie; default: on unless the public base "
        "URL is plain http on a non-loopback host",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs short-lived state (OpenID Connect); required outside demo mode "
        "when OIDC is on; demo mode generates one next to the local cluster",
    )
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)


class OIDCSettings(BaseModel):
    """Optional login through the municipality's identity provider (OpenID Connect).

    People and their roles stay in gisapp: an admin adds the person with the username the
    provider knows them by; the first login through the provider links the two.
    """

    issuer: str | None = Field(
        default=None, description="e.g. https://sso.example.de/realms/gemeinde; empty: off"
    )
    client_id: str | None = None
    client_secret: SecretStr | None = None
    username_claim: str = Field(default="preferred_username",
                                description="Claim that holds the gisapp username")
    label: str = Field(default="Single sign-on", description="Text of the login button")
    scopes: str = "openid email profile"

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id)


class GeoSettings(BaseModel):
    """Rules for geometries coming in."""

    max_fix_accuracy_m: float = Field(
        default=15.0, gt=0,
        description="A phone's GPS fix worse than this may not move an asset or place a new one",
    )
    plausibility_margin_m: float = Field(
        default=25.0, ge=0,
        description="A record made farther from its asset than the fix's accuracy plus this "
        "is flagged for the office (a moved or fake label, or a record made off site)",
    )

    boundary_tolerance_m: float = Field(
        default=50.0,
        ge=0,
        description="How far outside the municipality's boundary a point may lie "
        "(GPS error, assets on the border road).",
    )
    tile_url: str | None = Field(
        default=None,
        description="Basemap tiles for maps, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png "
        "or a municipal tile server; empty: no basemap, and the maps ask no other server",
    )
    tile_attribution: str = Field(
        default="", description="Attribution of the basemap (text), e.g. © OpenStreetMap contributors"
    )
    tile_attribution_url: str | None = Field(
        default=None, description="Link of the basemap attribution, e.g. "
        "https://www.openstreetmap.org/copyright")
    tile_max_zoom: int = Field(default=19, ge=1, le=24)


class EnergySettings(BaseModel):
    """Parameters of the annual energy estimate of street lights (gisapp/spatial/energy.py)."""

    burning_hours_per_year: float = Field(
        default=4000.0, gt=0, le=8760,
        description="Hours a street light burns per year (dusk to dawn: about 4,000 h)")
    dimming_factor: float = Field(
        default=0.7, gt=0, le=1,
        description="Share of full-power energy a light with dimmable: true uses "
        "(night dimming, e.g. 22-5 h at 50 %: about 0.7)")


class MapsSettings(BaseModel):
    """The public maps (``gisapp maps build``, served under /maps/): where they are written,
    who may embed them, their licence, and how often they are rebuilt."""

    dir: Path = Field(
        default=Path("maps"),
        description="GISAPP_MAPS__DIR: folder the maps are written to, one sub-folder per "
        "municipality (relative paths: from the working directory)",
    )
    embed_origins: list[str] = Field(
        default=["*"],
        description="Web sites that may show the maps in an iframe (CSP frame-ancestors), "
        'e.g. ["https://www.musterdorf.de"]; ["*"]: any site',
    )
    licence: str = Field(
        default="Datenlizenz Deutschland – Namensnennung – Version 2.0",
        description="Licence of the published data, named on the maps and in the downloads",
    )
    licence_url: str = "https://www.govdata.de/dl-de/by-2-0"
    auto_build: bool = Field(
        default=True,
        description="Build the maps when the server starts and after changes to public data",
    )
    poll_seconds: float = Field(default=30.0, gt=0,
                                description="How often the server looks for changed public data")
    quiet_seconds: float = Field(
        default=60.0, ge=0,
        description="Changes must have stopped this long before the maps are rebuilt",
    )
    rebuild_hours: float = Field(default=24.0, gt=0,
                                 description="Rebuild at least this often, changed or not")


class ImportSettings(BaseModel):
    """Limits for uploaded files (imports): what the server accepts before it reads a byte
    with GDAL. Every limit answers a 413/422 that says which one was hit."""

    max_upload_mb: float = Field(default=100, gt=0, description="Largest upload")
    max_zip_entries: int = Field(default=50, ge=1, description="Most files in a zip")
    max_unzipped_mb: float = Field(default=500, gt=0,
                                   description="Largest total size of a zip's contents")
    max_zip_ratio: float = Field(default=100, gt=1,
                                 description="Largest compression ratio of a zip entry")
    max_rows: int = Field(default=2_000_000, ge=1, description="Most rows/features per import")
    temp_dir: Path | None = Field(
        default=None,
        description="GISAPP_IMPORTS__TEMP_DIR: where uploads are written and read (one "
        "private folder per import, removed afterwards); empty: the system's temp folder")


class Settings(BaseSettings):
    """All settings. Environment: ``GISAPP_DATABASE__URL``, ``GISAPP_SERVER__PORT``, …"""

    model_config = SettingsConfigDict(
        env_prefix="GISAPP_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    geo: GeoSettings = Field(default_factory=GeoSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    oidc: OIDCSettings = Field(default_factory=OIDCSettings)
    imports: ImportSettings = Field(default_factory=ImportSettings)
    maps: MapsSettings = Field(default_factory=MapsSettings)
    energy: EnergySettings = Field(default_factory=EnergySettings)
    demo_mode: bool = Field(
        default=True,
        description="Development/demo installation. Production sets this to false.",
    )
    demo_password: SecretStr | None = Field(
        default=None,
        description="GISAPP_DEMO_PASSWORD: password of the demo users admin, planner and "
        "crew; default: generated once and kept next to the local cluster",
    )
    vendor_dir: Path | None = Field(
        default=None,
        description="The node_modules folder whose JavaScript/CSS libraries gisapp serves "
        "under /static/vendor/. Empty: node_modules next to the gisapp package (the repository "
        "root). The Docker image sets /app/node_modules.",
    )
    field_dir: Path | None = Field(
        default=None,
        description="GISAPP_FIELD_DIR: the crews' field app (the repository's field/ folder). "
        "Empty: field/ next to the gisapp package, else field/ in the working directory.",
    )

    @cached_property
    def uses_local_cluster(self) -> bool:
        """True when gisapp starts and owns its PostgreSQL cluster itself."""
        return not self.database.url


def load_settings(**overrides) -> Settings:
    """Read settings from the environment (and ``.env``); keyword overrides win."""
    return Settings(**overrides)

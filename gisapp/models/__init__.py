"""Tables. Importing this package registers all of them on ``Base.metadata``."""

from gisapp.models.asset import Asset, AssetHistory, District, Street
from gisapp.models.asset_type import AssetType
from gisapp.models.base import Base
from gisapp.models.field import FieldConflict, Photo
from gisapp.models.import_job import ImportJob
from gisapp.models.identity import ApiToken, AppUser, LoginFailure, Membership, UserSession
from gisapp.models.maintenance import MaintenanceRecord, MaintenanceReview
from gisapp.models.municipality import Municipality
from gisapp.models.tag import Tag, TagEvent

__all__ = [
    "ApiToken", "AppUser", "Asset", "AssetHistory", "AssetType", "Base", "District",
    "FieldConflict", "ImportJob", "Photo",
    "LoginFailure", "MaintenanceRecord", "MaintenanceReview", "Membership", "Municipality", "Street", "Tag", "TagEvent",
    "UserSession",
]

"""The staff directory: Cognito user pool groups (``agent:<entity>``, ...)."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.aws import client
from tawasul.adapters.dynamodb import translated_errors
from tawasul.ports import StaffMember

_SUB = re.compile(r"^[\w\-.:@]{1,128}$")


class UserPool:
    """The user pool, reached through the shared client (created on first use)."""

    def __init__(self, user_pool_id: str, cognito: Any | None = None) -> None:
        self._pool = user_pool_id
        self._client = cognito

    @property
    def idp(self) -> Any:
        if self._client is None:
            self._client = client("cognito-idp")
        return self._client


class CognitoDirectory(UserPool):
    def groups_of(self, user_id: str) -> frozenset[str] | None:
        if not self._pool or not _SUB.match(user_id):
            return None
        username = self._username(user_id)
        if username is None:
            return None
        groups: set[str] = set()
        kwargs: dict[str, Any] = {"UserPoolId": self._pool, "Username": username}
        try:
            with translated_errors():
                while True:
                    page = self.idp.admin_list_groups_for_user(**kwargs)
                    groups |= {g["GroupName"] for g in page.get("Groups", [])}
                    if not page.get("NextToken"):
                        break
                    kwargs["NextToken"] = page["NextToken"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "UserNotFoundException":
                return None
            raise
        return frozenset(groups)

    def _username(self, user_id: str) -> str | None:
        user = self._find(user_id)
        return str(user["Username"]) if user else None

    def _find(self, user_id: str) -> dict[str, Any] | None:
        """A user is named by the token's ``sub`` or by their user name (staff accounts)."""
        for attribute in ("sub", "username"):
            with translated_errors():
                users = self.idp.list_users(
                    UserPoolId=self._pool, Filter=f'{attribute} = "{user_id}"', Limit=1
                )
            if users.get("Users"):
                return dict(users["Users"][0])
        return None

    def member(self, user_id: str) -> StaffMember | None:
        """The enabled user named by ``user_id`` with their e-mail and phone (port ``StaffDirectory``)."""
        if not self._pool or not _SUB.match(user_id):
            return None
        user = self._find(user_id)
        if user is None or not user.get("Enabled", True):
            return None
        return _member(user)

    def members_of(self, group: str) -> list[StaffMember]:
        """The enabled users of ``group`` with their e-mail and phone (port ``StaffDirectory``)."""
        if not self._pool:
            return []
        members: list[StaffMember] = []
        kwargs: dict[str, Any] = {"UserPoolId": self._pool, "GroupName": group}
        try:
            with translated_errors():
                while True:
                    page = self.idp.list_users_in_group(**kwargs)
                    members += [_member(u) for u in page.get("Users", []) if u.get("Enabled", True)]
                    if not page.get("NextToken"):
                        return members
                    kwargs["NextToken"] = page["NextToken"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return []  # no such group: an entity without staff at that level
            raise


def _member(user: dict[str, Any]) -> StaffMember:
    attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
    return StaffMember(
        user_id=str(user["Username"]), email=attributes.get("email"), phone=attributes.get("phone_number")
    )


class CognitoGroups(UserPool):
    """Creates the entity groups (``agent:<id>``, ...) in the user pool."""

    def ensure_groups(self, names: list[str]) -> None:
        for name in names:
            try:
                with translated_errors():
                    self.idp.create_group(UserPoolId=self._pool, GroupName=name)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "GroupExistsException":
                    raise

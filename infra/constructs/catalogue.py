"""Seeding the entity catalogue at deploy time.

A plain CloudFormation custom resource (`Custom::Catalogue`) whose ServiceToken is the seed
function itself: no Provider framework, no extra functions. The seed function speaks the
CloudFormation custom-resource protocol. `Version` is the sha256 of the catalogue file, so a
change to the catalogue is an Update that seeds again; an unchanged catalogue does nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aws_cdk import CustomResource, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import names


def catalogue_version(path: Path = names.CATALOGUE_FILE) -> str:
    """sha256 of the catalogue file (of empty bytes while the file does not exist yet)."""
    content = path.read_bytes() if path.is_file() else b""
    return hashlib.sha256(content).hexdigest()


class Catalogue(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, seed: lambda_.IFunction) -> None:
        super().__init__(scope, construct_id)
        self.version = catalogue_version()
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=seed.function_arn,
            resource_type=names.CATALOGUE_RESOURCE_TYPE,
            properties={names.CATALOGUE_VERSION_PROPERTY: self.version},
            # Deleting the stack must not wipe the catalogue out of a retained table.
            removal_policy=RemovalPolicy.RETAIN,
        )

"""Cognito: the user pool behind the HTTP API's JWT authorizer.

Citizens arrive federated from the national identity provider (OIDC) when the context value
`tawasul:nationalIdp` is set; staff accounts are created by administrators. Nobody signs up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import names
from infra.constructs import acknowledge

DEFAULT_IDP_SECRET_NAME = "tawasul/national-idp/client-secret"


class Auth(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        allowed_origins: Sequence[str],
        national_idp: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)

        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=names.PASSWORD_MIN_LENGTH,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            custom_attributes={
                # The citizen's national id as the national identity provider vouches for it: cases
                # taken at a call centre or counter for that id are the citizen's when they sign in.
                names.NATIONAL_ID_ATTRIBUTE: cognito.StringAttribute(min_len=5, max_len=20, mutable=True),
            },
            # Required for every account of the pool itself — staff, supervisors, heads, oversight,
            # all created by administrators. Cognito applies no MFA to federated users: citizens'
            # second factor is the national identity provider's (decision 016).
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            deletion_protection=True,
            # Case ownership is keyed on the Cognito `sub`: a new pool would orphan every case.
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.user_pool,
            (
                "AwsSolutions-COG8",
                "The Plus feature plan (threat protection) is billed per monthly active "
                "user at national scale; citizens authenticate at the national identity provider and staff "
                "accounts are administrator-created. Revisit with the security team before go-live.",
            ),
        )

        for group, description in names.STATIC_GROUPS.items():
            cognito.UserPoolGroup(
                self, f"Group-{group}", user_pool=self.user_pool, group_name=group, description=description
            )

        providers = [cognito.UserPoolClientIdentityProvider.COGNITO]
        self.national_idp: cognito.UserPoolIdentityProviderOidc | None = None
        if national_idp:
            self.national_idp = cognito.UserPoolIdentityProviderOidc(
                self,
                "NationalIdp",
                user_pool=self.user_pool,
                name=names.NATIONAL_IDP_NAME,
                issuer_url=str(national_idp["issuer"]),
                client_id=str(national_idp["clientId"]),
                # A dynamic reference resolved by CloudFormation at deploy time (the secret never
                # enters the template). Secrets Manager, because CloudFormation does not resolve
                # SSM SecureString references on Cognito identity providers.
                client_secret=SecretValue.secrets_manager(
                    str(national_idp.get("clientSecretParameter") or DEFAULT_IDP_SECRET_NAME)
                ).unsafe_unwrap(),
                scopes=["openid", "email"],
                attribute_mapping=cognito.AttributeMapping(
                    email=cognito.ProviderAttribute.other("email"),
                    custom={
                        f"custom:{names.NATIONAL_ID_ATTRIBUTE}": cognito.ProviderAttribute.other(
                            str(national_idp.get("nationalIdClaim") or names.NATIONAL_ID_ATTRIBUTE)
                        )
                    },
                ),
            )
            providers.append(cognito.UserPoolClientIdentityProvider.custom(names.NATIONAL_IDP_NAME))

        callback_urls = _callback_urls(allowed_origins)
        self.user_pool_client = self.user_pool.add_client(
            "WebClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
                callback_urls=callback_urls or None,
                logout_urls=[origin + "/" for origin in allowed_origins if _cognito_accepts(origin)] or None,
            ),
            supported_identity_providers=providers,
            prevent_user_existence_errors=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )
        if self.national_idp is not None:
            self.user_pool_client.node.add_dependency(self.national_idp)

    def use_token_trigger(self, function: lambda_.IFunction) -> None:
        """Before Cognito issues a token: citizens who come from the national identity provider
        get the `citizen` group (functions/tokens)."""
        self.user_pool.add_trigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION, function)

    def grant_group_admin(self, grantee: iam.IGrantable) -> None:
        """Create the staff groups of a new entity (agent:<id>, supervisor:<id>, head:<id>)."""
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["cognito-idp:CreateGroup"], resource_arns=[self.user_pool.user_pool_arn]
        )

    def grant_directory_read(self, grantee: iam.IGrantable) -> None:
        """Look users up and read their groups (assignees must be staff of the entity)."""
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["cognito-idp:ListUsers", "cognito-idp:AdminListGroupsForUser"],
            resource_arns=[self.user_pool.user_pool_arn],
        )

    def grant_group_members_read(self, grantee: iam.IGrantable) -> None:
        """List the users of a group and find one user (notify: the staff of an escalation level,
        the assignee of a case)."""
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["cognito-idp:ListUsersInGroup", "cognito-idp:ListUsers"],
            resource_arns=[self.user_pool.user_pool_arn],
        )

    @property
    def issuer(self) -> str:
        """What the JWT authorizer and handlers see in `iss`."""
        region = Stack.of(self).region
        return f"https://cognito-idp.{region}.amazonaws.com/{self.user_pool.user_pool_id}"


def _cognito_accepts(origin: str) -> bool:
    """Cognito accepts HTTPS callback URLs, and plain HTTP only for localhost."""
    return origin.startswith("https://") or origin.startswith("http://localhost")


def _callback_urls(allowed_origins: Sequence[str]) -> list[str]:
    return [origin + names.OAUTH_CALLBACK_PATH for origin in allowed_origins if _cognito_accepts(origin)]

"""The embedded local runtime of Tawasul (`make run` / `python -m local`).

The same handlers as on AWS, behind a local HTTP gateway that builds API Gateway v2 events and
verifies JWTs like the authorizer, on AWS services emulated in process by moto and provisioned
from the synthesized CloudFormation template. See docs/decisions/003-local-runtime.md.
"""

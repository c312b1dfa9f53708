"""Use-cases and rules. Plain Python and asyncio: no Qt, no boto3 objects in signatures."""

"""A small typed facade over boto3 and the local SES simulator. No Qt, no SQLAlchemy."""

"""The window: Qt widgets, the dashboard, and the qasync bridge to the services. No boto3."""

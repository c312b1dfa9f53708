"""sesdesk: send email through your own Amazon SES account, safely."""

__version__ = "0.1.0"

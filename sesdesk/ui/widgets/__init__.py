"""Small reusable widgets: cards, banners, status pills, full-window pages, the status bar."""

"""Panel pages: every module here is picked up by bot.web.panel.app.page_modules().

See bot/web/panel/__init__.py for what a page module provides."""

"""Qt-free state machines behind the window's wizards: what was typed, what is wrong with it,
what Next / Back / Finish may do and which page comes next. The wizard pages only draw a flow
and forward what the user does to it, so every path is tested without a window
(tests/services/test_flows_*.py). The connect wizard's flow is `services.connect.ConnectFlow`.
"""

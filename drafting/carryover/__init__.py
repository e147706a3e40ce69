"""上年计划对照: last year's plan items read against this year's facts (done, partial, not mentioned).

items.py finds the plan items in last year's report, targets.py reads their numeric targets, match.py
decides each status offline, judge.py lets a model settle borderline items (citing a fact the code
checks), decisions.py turns the user's choices into facts, problems, plans and the confirmed table.
"""

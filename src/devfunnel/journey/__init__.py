"""The developer journey: stages from milestones, transitions, funnel analytics."""

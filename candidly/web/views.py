def home(r): pass
def candidate_list(r, pk=None): pass
def candidate_detail(r, pk=None): pass
def candidate_log_activity(r, pk=None): pass
def company_list(r, pk=None): pass
def company_detail(r, pk=None): pass
def manager_list(r, pk=None): pass
def manager_detail(r, pk=None): pass
def manager_log_activity(r, pk=None): pass
def requisition_list(r, pk=None): pass
def requisition_detail(r, pk=None): pass
def submission_move(r, pk=None): pass

from django.shortcuts import render


def gallery(request):
    return render(request, "scenarios/gallery.html", {"scenarios": []})

"""Administrative places: district, communes, villages, rivers, forest."""
